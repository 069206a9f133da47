/** A fraction as a percentage for reasons: 0.0734 -> "7.34 %". */
export function describePercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(4))} %`;
}

/** A measured value for reasons, rounded to 4 significant digits: 312.4567 -> "312.5". */
export function describeValue(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}
