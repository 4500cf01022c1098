/** One dot-atom: the RFC 5322 characters an unquoted local part may hold, dots only between them. */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** Host name labels of letters, digits and inner hyphens, at least two, the last one not all digits. */
const DOMAIN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A bare address (an addr-spec in its dot-atom form, ASCII) such as offers@shop.example: no display
 * name, quotes, angle brackets, separators (comma, semicolon), whitespace or line breaks, so it can
 * be put in a recipient or sender field as it is and names exactly one mailbox. Lengths as RFC 5321
 * allows: a local part of at most 64 characters, at most 254 in all. The one definition for
 * customers' addresses and the addresses a deployer configures.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  return at > 0 && local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(value.slice(at + 1));
}

export type Recipient =
  | { readonly status: 'valid'; readonly address: string }
  /** No address at all: the customer cannot be reached by e-mail. */
  | { readonly status: 'missing' }
  /** Something that is not one bare address; never used, never logged. */
  | { readonly status: 'invalid' };

/** Whether a customer's e-mail field can be used as a recipient; blanks around it are forgiven. */
export function recipientOf(email: string | null | undefined): Recipient {
  const address = email?.trim() ?? '';
  if (address === '') return { status: 'missing' };
  return isEmailAddress(address) ? { status: 'valid', address } : { status: 'invalid' };
}
