/**
 * One uPlot chart in a Preact component. uPlot draws on a canvas and sets
 * only element.style from script, which the console's Content-Security-Policy
 * allows (style-src 'self' forbids style elements and attributes in markup,
 * not the CSSOM); its stylesheet is bundled into the console's own main.css.
 *
 * The chart is made once per `shape` (its series and axes) and given new data
 * in place; it follows its container's width.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** Options without size; the width is the container's. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  /** Changes whenever the options would: the chart is made anew then, and only then. */
  shape: string;
  height?: number;
  testId: string;
  label: string;
}

export function Chart({ options, data, shape, height = 220, testId, label }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The newest data, for a chart made after it arrived.
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = (): number => Math.max(240, el.clientWidth);
    const u = new uPlot({ ...options, width: width(), height }, latest.current, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: width(), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={box} data-testid={testId} role="img" aria-label={label} />;
}

/** Colours of the console's series, in order; readable on white and apart for the common colour blindnesses (Okabe-Ito). */
export const SERIES_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'] as const;
export const colour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length] ?? '#000000';
