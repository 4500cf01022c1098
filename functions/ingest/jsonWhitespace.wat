;; The two JSON whitespace operations of the signature check, 64 bytes at a time with WebAssembly
;; SIMD: firstJsonWhitespace and removeJsonWhitespace (in place). The source of the bytes embedded
;; in jsonWhitespaceWasm.ts (`npm run wasm` assembles it; a test checks the two agree); the plain
;; loops in removeJsonWhitespace.ts are the reference they are tested against.
;;
;; Per block of 64 bytes: three 64-bit masks (quotes, backslashes, whitespace), one bit per byte,
;; from i8x16.eq and i8x16.bitmask (whitespace by a 16-entry table lookup on each byte's low
;; nibble: one swizzle and one compare instead of four compares). A running XOR of the quote mask
;; (bit n = parity of the quotes at or before byte n) marks the bytes inside strings, so whitespace
;; outside strings is `whitespace & ~inside`, found without a branch per byte. Backslashes are rare
;; in webhook bodies, and an escaped quote would break the parity, so a block holding one (or
;; starting right after one) is walked byte by byte instead.
;;
;; Memory: two pages, exported. The caller writes the body into the first page; a block may read
;; up to 63 bytes past the body, which the second page keeps in bounds, and those bytes are masked
;; off before they count. The second page also holds the compaction's shuffle table.
;;
;; Everything is written inline, with the constants held in locals: V8 did not inline small helper
;; functions here, and with them the scan, which sits on every forged request, took twice as long
;; (0.60 µs against 0.27 µs for 4 KB); a shared function returning the four masks cost 20 %.
(module
  (memory (export "memory") 2 2)

  ;; The offset (from $start) of the first whitespace byte outside string literals in the $length
  ;; bytes at $start, or -1 when there is none. The same answer as the plain loop for any bytes.
  (func $firstJsonWhitespace (export "firstJsonWhitespace") (param $start i32) (param $length i32) (result i32)
    (local $block i32) (local $end i32) (local $stop i32) (local $at i32) (local $byte i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $quotes i64) (local $backslashes i64) (local $whitespace i64) (local $valid i64)
    (local $inside i64) (local $found i64)
    ;; All ones while the scan is inside a string, zero outside.
    (local $inString i64)
    ;; 1 when the previous block ended on an unconsumed backslash inside a string.
    (local $escaped i32)
    ;; The constants, in registers for the whole loop.
    (local $quote v128) (local $backslash v128) (local $lowNibble v128) (local $whitespaceTable v128)
    (local.set $quote (v128.const i8x16 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22))
    (local.set $backslash (v128.const i8x16 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c))
    (local.set $lowNibble (v128.const i8x16 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f))
    ;; Whitespace by table lookup on the low nibble: entry n is the whitespace byte whose low nibble
    ;; is n (space 0x20, tab 0x09, line feed 0x0a, carriage return 0x0d), or 0x00, which no byte
    ;; with that low nibble can equal. A byte is whitespace exactly when it equals its entry.
    (local.set $whitespaceTable (v128.const i8x16 0x20 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x09 0x0a 0x00 0x00 0x0d 0x00 0x00))
    (local.set $end (i32.add (local.get $start) (local.get $length)))
    (local.set $block (local.get $start))
    (block $none
      (loop $blocks
        (br_if $none (i32.ge_u (local.get $block) (local.get $end)))
        (local.set $v0 (v128.load offset=0 align=1 (local.get $block)))
        (local.set $v1 (v128.load offset=16 align=1 (local.get $block)))
        (local.set $v2 (v128.load offset=32 align=1 (local.get $block)))
        (local.set $v3 (v128.load offset=48 align=1 (local.get $block)))
        (local.set $quotes (i64.or (i64.or
          (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $quote))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $quote)))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $quote)))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $quote)))) (i64.const 48)))))
        (local.set $backslashes (i64.or (i64.or
          (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $backslash))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $backslash)))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $backslash)))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $backslash)))) (i64.const 48)))))
        (local.set $whitespace (i64.or (i64.or
          (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0)
            (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v0) (local.get $lowNibble))))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1)
            (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v1) (local.get $lowNibble))))))
            (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2)
              (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v2) (local.get $lowNibble))))))
              (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3)
              (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v3) (local.get $lowNibble))))))
              (i64.const 48)))))
        ;; The last block: drop the bits of bytes past the end.
        (local.set $stop (i32.add (local.get $block) (i32.const 64)))
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $block)) (i32.const 64))
          (then
            (local.set $stop (local.get $end))
            (local.set $valid (i64.sub
              (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (local.get $end) (local.get $block))))
              (i64.const 1)))
            (local.set $quotes (i64.and (local.get $quotes) (local.get $valid)))
            (local.set $backslashes (i64.and (local.get $backslashes) (local.get $valid)))
            (local.set $whitespace (i64.and (local.get $whitespace) (local.get $valid)))))
        (if (i32.or (i64.ne (local.get $backslashes) (i64.const 0)) (local.get $escaped))
          (then
            ;; Byte by byte, exactly as the plain loop: a backslash inside a string skips the next byte.
            (local.set $at (local.get $block))
            (block $walked
              (loop $bytes
                (br_if $walked (i32.ge_u (local.get $at) (local.get $stop)))
                (local.set $byte (i32.load8_u (local.get $at)))
                (if (local.get $escaped)
                  (then (local.set $escaped (i32.const 0)))
                  (else
                    (if (i64.ne (local.get $inString) (i64.const 0))
                      (then
                        (if (i32.eq (local.get $byte) (i32.const 0x5c))
                          (then (local.set $escaped (i32.const 1)))
                          (else
                            (if (i32.eq (local.get $byte) (i32.const 0x22))
                              (then (local.set $inString (i64.const 0)))))))
                      (else
                        (if (i32.eq (local.get $byte) (i32.const 0x22))
                          (then (local.set $inString (i64.const -1)))
                          (else
                            (if (i32.or
                                  (i32.or (i32.eq (local.get $byte) (i32.const 0x20)) (i32.eq (local.get $byte) (i32.const 0x0a)))
                                  (i32.or (i32.eq (local.get $byte) (i32.const 0x0d)) (i32.eq (local.get $byte) (i32.const 0x09))))
                              (then (return (i32.sub (local.get $at) (local.get $start)))))))))))
                (local.set $at (i32.add (local.get $at) (i32.const 1)))
                (br $bytes))))
          (else
            ;; Bit n of $inside: the parity of the quotes at or before byte n, flipped inside a string.
            (local.set $inside (local.get $quotes))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 1))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 2))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 4))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 8))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 16))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 32))))
            (local.set $inside (i64.xor (local.get $inside) (local.get $inString)))
            (local.set $found (i64.and (local.get $whitespace) (i64.xor (local.get $inside) (i64.const -1))))
            (if (i64.ne (local.get $found) (i64.const 0))
              (then (return (i32.add
                (i32.sub (local.get $block) (local.get $start))
                (i32.wrap_i64 (i64.ctz (local.get $found)))))))
            (local.set $inString (i64.shr_s (local.get $inside) (i64.const 63)))))
        (local.set $block (i32.add (local.get $block) (i32.const 64)))
        (br $blocks)))
    (i32.const -1))

  ;; Where the compaction's shuffle table lives: past the scan area and the 64 bytes a block may
  ;; read beyond it. 256 entries of 8 byte indices: entry m lists, in order, the positions of the
  ;; bits set in m, then 0x80 (which i8x16.swizzle turns into a zero).
  (global $shuffleTable i32 (i32.const 66560))

  (func $fillShuffleTable
    (local $mask i32) (local $bit i32) (local $slot i32)
    (loop $masks
      (local.set $slot (i32.add (global.get $shuffleTable) (i32.shl (local.get $mask) (i32.const 3))))
      (i64.store (local.get $slot) (i64.const 0x8080808080808080))
      (local.set $bit (i32.const 0))
      (loop $bits
        (if (i32.and (i32.shr_u (local.get $mask) (local.get $bit)) (i32.const 1))
          (then
            (i32.store8 (local.get $slot) (local.get $bit))
            (local.set $slot (i32.add (local.get $slot) (i32.const 1)))))
        (local.set $bit (i32.add (local.get $bit) (i32.const 1)))
        (br_if $bits (i32.lt_u (local.get $bit) (i32.const 8))))
      (local.set $mask (i32.add (local.get $mask) (i32.const 1)))
      (br_if $masks (i32.lt_u (local.get $mask) (i32.const 256)))))
  (start $fillShuffleTable)

  ;; Removes every whitespace byte outside string literals from the $length bytes at $start, in
  ;; place, and returns the new length: the same bytes removeJsonWhitespace's plain loop keeps.
  ;; Per block, the bytes to keep are a 64-bit mask (everything but whitespace outside strings);
  ;; each 8 bytes are packed by a table-driven i8x16.swizzle and stored at the write position.
  ;; Writing in place is safe: the write position never passes the byte being read, and a store
  ;; (8 bytes, or a whole block already loaded) ends at or before the end of what has been read.
  (func $removeJsonWhitespace (export "removeJsonWhitespace") (param $start i32) (param $length i32) (result i32)
    (local $block i32) (local $end i32) (local $out i32) (local $stop i32) (local $at i32) (local $byte i32)
    (local $chunk i32) (local $bits i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $quotes i64) (local $backslashes i64) (local $whitespace i64) (local $valid i64)
    (local $inside i64) (local $keep i64)
    (local $inString i64) (local $escaped i32)
    ;; The constants, in registers for the whole loop.
    (local $quote v128) (local $backslash v128) (local $lowNibble v128) (local $whitespaceTable v128)
    (local.set $quote (v128.const i8x16 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22))
    (local.set $backslash (v128.const i8x16 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c))
    (local.set $lowNibble (v128.const i8x16 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f 0x0f))
    ;; Whitespace by table lookup on the low nibble: entry n is the whitespace byte whose low nibble
    ;; is n (space 0x20, tab 0x09, line feed 0x0a, carriage return 0x0d), or 0x00, which no byte
    ;; with that low nibble can equal. A byte is whitespace exactly when it equals its entry.
    (local.set $whitespaceTable (v128.const i8x16 0x20 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x09 0x0a 0x00 0x00 0x0d 0x00 0x00))
    (local.set $end (i32.add (local.get $start) (local.get $length)))
    (local.set $block (local.get $start))
    (local.set $out (local.get $start))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $block) (local.get $end)))
        (local.set $v0 (v128.load offset=0 align=1 (local.get $block)))
        (local.set $v1 (v128.load offset=16 align=1 (local.get $block)))
        (local.set $v2 (v128.load offset=32 align=1 (local.get $block)))
        (local.set $v3 (v128.load offset=48 align=1 (local.get $block)))
        (local.set $quotes (i64.or (i64.or
          (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $quote))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $quote)))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $quote)))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $quote)))) (i64.const 48)))))
        (local.set $backslashes (i64.or (i64.or
          (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (local.get $backslash))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (local.get $backslash)))) (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (local.get $backslash)))) (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (local.get $backslash)))) (i64.const 48)))))
        (local.set $whitespace (i64.or (i64.or
          (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0)
            (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v0) (local.get $lowNibble))))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1)
            (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v1) (local.get $lowNibble))))))
            (i64.const 16)))
          (i64.or
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2)
              (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v2) (local.get $lowNibble))))))
              (i64.const 32))
            (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3)
              (i8x16.swizzle (local.get $whitespaceTable) (v128.and (local.get $v3) (local.get $lowNibble))))))
              (i64.const 48)))))
        (local.set $valid (i64.const -1))
        (local.set $stop (i32.add (local.get $block) (i32.const 64)))
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $block)) (i32.const 64))
          (then
            (local.set $stop (local.get $end))
            (local.set $valid (i64.sub
              (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (local.get $end) (local.get $block))))
              (i64.const 1)))
            (local.set $quotes (i64.and (local.get $quotes) (local.get $valid)))
            (local.set $backslashes (i64.and (local.get $backslashes) (local.get $valid)))
            (local.set $whitespace (i64.and (local.get $whitespace) (local.get $valid)))))
        (if (i32.or (i64.ne (local.get $backslashes) (i64.const 0)) (local.get $escaped))
          (then
            ;; Byte by byte, exactly as the plain loop: a backslash inside a string keeps the next byte.
            (local.set $at (local.get $block))
            (block $walked
              (loop $bytes
                (br_if $walked (i32.ge_u (local.get $at) (local.get $stop)))
                (local.set $byte (i32.load8_u (local.get $at)))
                (local.set $at (i32.add (local.get $at) (i32.const 1)))
                (if (local.get $escaped)
                  (then (local.set $escaped (i32.const 0)))
                  (else
                    (if (i64.ne (local.get $inString) (i64.const 0))
                      (then
                        (if (i32.eq (local.get $byte) (i32.const 0x5c))
                          (then (local.set $escaped (i32.const 1)))
                          (else
                            (if (i32.eq (local.get $byte) (i32.const 0x22))
                              (then (local.set $inString (i64.const 0)))))))
                      (else
                        (if (i32.eq (local.get $byte) (i32.const 0x22))
                          (then (local.set $inString (i64.const -1)))
                          (else
                            (br_if $bytes (i32.or
                              (i32.or (i32.eq (local.get $byte) (i32.const 0x20)) (i32.eq (local.get $byte) (i32.const 0x0a)))
                              (i32.or (i32.eq (local.get $byte) (i32.const 0x0d)) (i32.eq (local.get $byte) (i32.const 0x09)))))))))))
                (i32.store8 (local.get $out) (local.get $byte))
                (local.set $out (i32.add (local.get $out) (i32.const 1)))
                (br $bytes))))
          (else
            ;; Bit n of $inside: the parity of the quotes at or before byte n, flipped inside a string.
            (local.set $inside (local.get $quotes))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 1))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 2))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 4))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 8))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 16))))
            (local.set $inside (i64.xor (local.get $inside) (i64.shl (local.get $inside) (i64.const 32))))
            (local.set $inside (i64.xor (local.get $inside) (local.get $inString)))
            (local.set $inString (i64.shr_s (local.get $inside) (i64.const 63)))
            (local.set $keep (i64.and
              (i64.xor (i64.and (local.get $whitespace) (i64.xor (local.get $inside) (i64.const -1))) (i64.const -1))
              (local.get $valid)))
            (if (i64.eq (local.get $keep) (i64.const -1))
              (then
                ;; Nothing to drop: the whole block, from the registers it was loaded into.
                (v128.store offset=0 align=1 (local.get $out) (local.get $v0))
                (v128.store offset=16 align=1 (local.get $out) (local.get $v1))
                (v128.store offset=32 align=1 (local.get $out) (local.get $v2))
                (v128.store offset=48 align=1 (local.get $out) (local.get $v3))
                (local.set $out (i32.add (local.get $out) (i32.const 64))))
              (else
                (local.set $chunk (i32.const 0))
                (loop $chunks
                  (local.set $bits (i32.and
                    (i32.wrap_i64 (i64.shr_u (local.get $keep) (i64.extend_i32_u (i32.shl (local.get $chunk) (i32.const 3)))))
                    (i32.const 0xff)))
                  (v128.store64_lane align=1 0
                    (local.get $out)
                    (i8x16.swizzle
                      (v128.load64_zero align=1 (i32.add (local.get $block) (i32.shl (local.get $chunk) (i32.const 3))))
                      (v128.load64_zero
                        (i32.add (global.get $shuffleTable) (i32.shl (local.get $bits) (i32.const 3))))))
                  (local.set $out (i32.add (local.get $out) (i32.popcnt (local.get $bits))))
                  (local.set $chunk (i32.add (local.get $chunk) (i32.const 1)))
                  (br_if $chunks (i32.lt_u (local.get $chunk) (i32.const 8))))))))
        (local.set $block (i32.add (local.get $block) (i32.const 64)))
        (br $blocks)))
    (i32.sub (local.get $out) (local.get $start))))

