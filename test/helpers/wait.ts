export { waitFor } from '../../scripts/lib/wait.ts';
