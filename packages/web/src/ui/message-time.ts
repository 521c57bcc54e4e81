/**
 * How a message's time reads, in the browser's locale (Intl with the default locale and time zone):
 * a day label for the separator above each calendar day's first message, the time beside each
 * message, and the full date-time for its tooltip and `<time datetime>`.
 */

/** Midnight starting the local calendar day of `t`, so two times on the same day compare equal. */
export function localDay(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** The local calendar day of `t` as `YYYY-MM-DD` (a valid `<time datetime>` date). */
export function isoDay(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** "Today", "Yesterday" (localised by Intl), else the weekday and date; the year only when not this year. */
export function dayLabel(t: number, now: number): string {
  const days = Math.round((localDay(now) - localDay(t)) / 86_400_000);
  if (days === 0 || days === 1) {
    const s = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(-days, 'day');
    return s.charAt(0).toLocaleUpperCase() + s.slice(1);
  }
  const sameYear = new Date(t).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(t);
}

/** The time beside a message (hours and minutes; the date is in the day separator above it). */
export function timeLabel(t: number): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(t);
}

/** The full date and time, for the tooltip. */
export function fullLabel(t: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' }).format(t);
}
