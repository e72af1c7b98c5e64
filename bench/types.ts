/** One measured number; when it has a baseline, `ratio` is `value / baselineValue` and the target applies to it. */
export interface BenchFigure {
  metric: string;
  value: number;
  unit: string;
  baseline?: string;
  baselineValue?: number;
  ratio?: number;
  target?: { op: '>=' | '<='; value: number };
}

export interface BenchResult {
  name: string;
  figures: BenchFigure[];
}

/** Whether a figure meets its target; figures without a target always pass. */
export function meetsTarget(figure: BenchFigure): boolean {
  if (!figure.target) return true;
  const measured = figure.ratio ?? figure.value;
  return figure.target.op === '>=' ? measured >= figure.target.value : measured <= figure.target.value;
}
