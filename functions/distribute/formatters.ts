import type { FormattingConfig } from './config.ts';

/** How numbers, money and dates are written in messages, per the configured locale, currency and time zone. */
export interface Formatters {
  /** Voucherify amounts are integer cents: 5000 → "€50.00". */
  money(cents: number): string;
  /** 1200 → "1,200". */
  count(value: number): string;
  /** 15 → "15%", 12.5 → "12.5%". */
  percent(value: number): string;
  /** An ISO 8601 timestamp as a date in words ("31 December 2026"), or null when it is not a date. */
  date(isoTimestamp: string): string | null;
}

/** Built once at start-up: Intl formatters are costly to create and cheap to reuse. */
export function createFormatters(config: FormattingConfig): Formatters {
  const money = new Intl.NumberFormat(config.locale, { style: 'currency', currency: config.currency });
  const count = new Intl.NumberFormat(config.locale, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(config.locale, { style: 'percent', maximumFractionDigits: 2 });
  const date = new Intl.DateTimeFormat(config.locale, { dateStyle: 'long', timeZone: config.timeZone });
  return {
    money: (cents) => money.format(cents / 100),
    count: (value) => count.format(value),
    percent: (value) => percent.format(value / 100),
    date: (isoTimestamp) => {
      const time = Date.parse(isoTimestamp);
      return Number.isNaN(time) ? null : date.format(time);
    },
  };
}
