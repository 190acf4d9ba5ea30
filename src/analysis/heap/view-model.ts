// Plain, serializable results of `pycore heap`, `refs`, `referrers` and `path`: the only input
// to their text, JSON and Graphviz reports. Strings are raw (as in the core); reports escape them.

export interface CensusTypeView {
  /** Qualified name of the type (`Leaky`, `OrderedDict`). */
  name: string;
  /** Its module (`__main__`, `builtins`, `collections`). */
  module: string;
  count: number;
  /** sys.getsizeof() summed: __sizeof__ plus the GC header (and 3.11+ the managed pre-header). */
  bytes: number;
  /** Objects of the type in GC generations 0-2: what gc.get_objects() would count. */
  gc_tracked: number;
  /** sys.getsizeof() summed over those: what sum(map(sys.getsizeof, gc.get_objects())) gives for the type. */
  gc_tracked_bytes: number;
  /** `bytes` is partly estimated (basicsize + items) because the type has its own __sizeof__ pycore does not reproduce. */
  estimated: boolean;
  /** Address of the type object. */
  type_address: string;
}

export interface ObjectSizeView {
  address: string;
  type: string;
  /** sys.getsizeof(), or null when unreadable. */
  size: number | null;
  estimated: boolean;
  /** len() for containers. */
  length: number | null;
  repr: string;
  /** What found it: "gc" (a GC generation list), "pymalloc" (a used block), "gc+pymalloc", or "reachable" (a reference from another object). */
  found_by: string;
}

export interface GenerationView {
  interpreter: number | null;
  /** 0, 1, 2, or "permanent". */
  generation: number | 'permanent';
  objects: number;
  /** gc.get_count() / gc.get_threshold() for this generation. */
  count: number | null;
  threshold: number | null;
  unreadable?: string;
}

export interface SizeClassView {
  index: number;
  size: number;
  pools: number;
  blocks: number;
  avail: number;
}

/** Everything sys._debugmallocstats() prints about pymalloc, for one obmalloc state. */
export interface MallocStatsView {
  where: string;
  threshold: number;
  num_classes: number;
  classes: SizeClassView[];
  arena_size: number;
  pool_size: number;
  narenas: number;
  ntimes_arena_allocated: number | null;
  narenas_highwater: number | null;
  num_free_pools: number;
  allocated_bytes: number;
  available_bytes: number;
  pool_header_bytes: number;
  quantization: number;
  arena_alignment: number;
  arena_map: { mid: number | null; bot: number | null; root_bytes: number; mid_bytes: number; bot_bytes: number } | null;
  /** What sys.getallocatedblocks() would have returned, when pycore can compute it. */
  allocated_blocks: number | null;
  /** The main interpreter's free lists (on the first report only): objects kept for reuse, by kind. */
  free_lists?: { name: string; count: number | null; size: number }[];
  problems: string[];
}

export interface PymallocView {
  /** One entry per obmalloc state (3.12+ may have one per interpreter). */
  heaps: MallocStatsView[];
  arenas: number;
  used_blocks: number;
  /** Used blocks whose start holds an object pycore recognised (the rest: lists' item arrays, dict keys, buffers, ...). */
  blocks_with_objects: number;
  allocated_blocks: number | null;
}

export interface TypeCountView {
  name: string;
  module: string;
  count: number;
  /** The type defines __del__. */
  finalizer?: boolean;
}

export interface LeakHintsView {
  generations: GenerationView[];
  /** gc.isenabled() of each GC state (false: automatic collection was off, so cycles pile up). */
  gc_enabled: (boolean | null)[];
  /** gc.garbage: what collections with DEBUG_SAVEALL (or legacy finalizers) kept. */
  gc_garbage: { count: number; types: TypeCountView[] } | null;
  /** Classes (types defined in Python) with at least `threshold` instances. */
  threshold: number;
  classes_over_threshold: TypeCountView[];
  /**
   * Objects a collection would free right now (unreachable cycles and what only they hold),
   * found the way the collector finds them; null unless asked for (--leaks).
   */
  uncollected: { objects: number; with_finalizers: number; types: TypeCountView[] } | null;
}

export interface HeapSources {
  /** Found in the GC lists only (outside pymalloc). */
  gc: number;
  /** In a pymalloc block and in a GC list. */
  gc_and_pymalloc: number;
  /** In a pymalloc block only (not GC-tracked). */
  pymalloc: number;
  /** Outside both: referred to by an object above (big str/bytes/int, untracked big containers). */
  reachable: number;
  /**
   * Py_TRACE_REFS builds only: the refchain, the interpreter's list of every live object.
   * `objects`: on it; `only`: found by it alone; `off_chain`: what the other sources proposed that
   * it does not list, left out; `unreadable`: why it was not used.
   */
  refchain?: { objects: number; only: number; off_chain: number; complete: boolean } | { unreadable: string };
  /** Free-threaded builds: objects found in mimalloc's heaps, those the GC tracks, and what was walked. */
  mimalloc?: { objects: number; gc_tracked: number; used_blocks: number; pages: number; thread_heaps: number; abandoned_segments: number };
}

/** Candidates that looked like objects at first sight and failed validation: never in any count. */
export interface RejectedView {
  total: number;
  reasons: {
    /** not-type, dead, refcount, exceeds-block, size, unreadable. */
    code: string;
    reason: string;
    count: number;
    /** Which source proposed them (a pymalloc block in a GC list counts for both). */
    by_source: { gc: number; pymalloc: number; reachable: number; refchain: number };
    /** The first few addresses (of the block, for pymalloc candidates). */
    examples: string[];
  }[];
}

/** --type: the instances of the type(s) with that name, in walk order. */
export interface InstancesView {
  type: string;
  /** `estimated`: the size is basicsize + items, not the type's own __sizeof__ (as in the types table's `~`). */
  listed: { address: string; size: number | null; estimated: boolean; found_by: string }[];
  /** Instances in all; more than listed.length when cut at `limit`. */
  total: number;
  limit: number;
}

export interface HeapReport {
  core: string;
  python: string;
  pid: number | null;
  /** Every type (matching --type), in `sort` order; the text table shows the first `top`. */
  types: CensusTypeView[];
  /** Types matching --type. */
  types_total: number;
  /** Rows the text table shows (0: all). */
  top: number;
  objects_total: number;
  /** Sum of sys.getsizeof() over the objects whose size pycore computes exactly. */
  bytes_total: number;
  /** Sum of the estimated sizes (types with a __sizeof__ pycore does not reproduce): not in bytes_total. */
  bytes_estimated: number;
  sort: 'bytes' | 'count';
  sources: HeapSources;
  largest: ObjectSizeView[];
  largest_containers: ObjectSizeView[];
  instances?: InstancesView;
  rejected: RejectedView;
  generations: GenerationView[];
  pymalloc: PymallocView | null;
  leaks: LeakHintsView;
  warnings: string[];
}

export interface ReferenceView {
  /** How the referrer holds the object: `[3]`, `['key']`, `.attr`, `.__dict__`, `<local x>`. */
  label: string;
  address: string;
  type: string;
  repr: string;
}

export interface RefsReport {
  object: { address: string; type: string; repr: string };
  /** What it refers to (refs), or what refers to it (referrers). */
  references: ReferenceView[];
  /** Referrers: objects walked to find them. */
  objects_scanned?: number;
  unreadable?: string;
  warnings: string[];
}

export interface PathHop {
  address: string;
  type: string;
  repr: string;
  /** How the previous hop holds this one (empty for the root). */
  label: string;
}

export interface PathReport {
  object: { address: string; type: string; repr: string };
  /** What holds the chain: `sys.modules`, `thread 0x... frame f (file:line)`, `gc.garbage`... null when no root reaches it. */
  root: string | null;
  hops: PathHop[];
  /** How many references deep the search from the roots went. */
  levels: number;
  warnings: string[];
}
