import { lang } from './i18n.js';

/** Times are shown in the service's time zone (config timeZone), not the browser's. */
let timeZone = 'Asia/Tokyo';

export function setTimeZone(tz: string): void {
  timeZone = tz;
}

export function serviceTimeZone(): string {
  return timeZone;
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang() === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(d);
}

/** `YYYY-MM-DD` at 00:00 in the service time zone, as ISO 8601 with its offset (for /history). */
export function startOfDay(date: string, plusDays = 0): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = new Date(Date.UTC(y, m - 1, d + plusDays));
  const offset = offsetOf(guess);
  return new Date(guess.getTime() - offset * 60_000).toISOString();
}

/** Minutes the service zone is ahead of UTC at that instant. */
function offsetOf(at: Date): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}
