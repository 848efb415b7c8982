export interface BenchResult {
  name: string;
  value: number;
  unit: 'ms';
  /** A result with a goal is checked: `npm run bench` fails when one is missed. */
  goal?: { max: number };
}
