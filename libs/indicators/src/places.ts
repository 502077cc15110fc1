/**
 * Where a community belongs over time. Areas (片区) are re-drawn between contract years; a record
 * belongs to the area its community was in on the day the service happened, so history stays as it
 * was drawn then, whenever the re-drawing was recorded.
 */
import type { LocalDate } from '@app/kernel';
import type { AreaSpec } from '@app/recording';

export interface Drawing {
  /** First day this drawing applies; the station's first drawing applies from the beginning. */
  effectiveFrom: LocalDate;
  areas: AreaSpec[];
}

export const BEGINNING: LocalDate = '0001-01-01';
const END: LocalDate = '9999-12-31';

/** Drawings in effective order (a later recording for the same day replaces the earlier one). */
export function addDrawing(drawings: readonly Drawing[], drawing: Drawing): Drawing[] {
  return [...drawings.filter((d) => d.effectiveFrom !== drawing.effectiveFrom), drawing].sort((a, b) =>
    a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : 0,
  );
}

export function drawingOn(drawings: readonly Drawing[], date: LocalDate): Drawing | undefined {
  let found = drawings[0];
  for (const d of drawings) if (d.effectiveFrom <= date) found = d;
  return found;
}

export function areaOf(drawings: readonly Drawing[], community: string, date: LocalDate): string | undefined {
  return areaIn(drawingOn(drawings, date), community);
}

/** The area of a drawing that holds a community. */
export function areaIn(drawing: Drawing | undefined, community: string): string | undefined {
  return drawing?.areas.find((a) => a.communities.some((c) => c.code === community))?.code;
}

export interface Segment {
  community: string;
  from: LocalDate;
  to: LocalDate;
}

const dayBefore = (date: LocalDate): LocalDate => new Date(Date.parse(date) - 86_400_000).toISOString().slice(0, 10);

/** The (community, days) pieces that made up an area within [from, to], drawing by drawing. */
export function areaSegments(drawings: readonly Drawing[], area: string, from: LocalDate, to: LocalDate): Segment[] {
  const segments: Segment[] = [];
  drawings.forEach((drawing, i) => {
    const next = drawings[i + 1];
    const start = i === 0 ? BEGINNING : drawing.effectiveFrom;
    const end = next ? dayBefore(next.effectiveFrom) : END;
    const lo = start > from ? start : from;
    const hi = end < to ? end : to;
    if (lo > hi) return;
    for (const community of drawing.areas.find((a) => a.code === area)?.communities ?? []) {
      segments.push({ community: community.code, from: lo, to: hi });
    }
  });
  return segments;
}

export const hasArea = (drawings: readonly Drawing[], area: string): boolean => drawings.some((d) => d.areas.some((a) => a.code === area));
export const hasCommunity = (drawings: readonly Drawing[], community: string): boolean =>
  drawings.some((d) => d.areas.some((a) => a.communities.some((c) => c.code === community)));
