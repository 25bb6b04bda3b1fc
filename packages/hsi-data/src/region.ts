// A rectangle of an image: what patches are cut from, what windowed readers are asked for.

/** A rectangle of an image: top-left (row, col) and size. Also what a windowed reader is asked for. */
export interface Region {
  row: number;
  col: number;
  rows: number;
  cols: number;
}

/** True when `r` has integer corner and size, at least 1 x 1, and lies inside a `rows x cols` image. */
export function regionInside(r: Region, rows: number, cols: number): boolean {
  return (
    Number.isInteger(r.row) &&
    Number.isInteger(r.col) &&
    Number.isInteger(r.rows) &&
    Number.isInteger(r.cols) &&
    r.row >= 0 &&
    r.col >= 0 &&
    r.rows >= 1 &&
    r.cols >= 1 &&
    r.row + r.rows <= rows &&
    r.col + r.cols <= cols
  );
}
