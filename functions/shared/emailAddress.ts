const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** A bare address (addr-spec) such as offers@shop.example: no display name, brackets or separators. */
export const isEmailAddress = (value: string): boolean => value.length <= 254 && EMAIL_PATTERN.test(value);
