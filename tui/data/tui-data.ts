// Everything the TUI is given: view models from src/analysis and the means to fetch more.
import type { AnalyzeReport } from '../../src/analysis/view-model.js';
import type { ObjectExplorer } from '../../src/analysis/object-view.js';
import type { HeapData } from './heap-data.js';
import type { SourceReader } from './source-lines.js';

export interface TuiData {
  report: AnalyzeReport;
  /** null until the objects issue provides one: the inspector says it is pending. */
  explorer: ObjectExplorer | null;
  sources: SourceReader;
  /** The heap views (census, malloc stats, referrers, path); absent: those keys say why. */
  heap?: HeapData | null;
}
