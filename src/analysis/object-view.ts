// Plain views of Python objects for `show`, `--locals` and the TUI inspector. Produced by
// src/analysis/objects.ts (the object explorer); consumed by reports and tui/.

export interface ObjectSummary {
  address: string;
  /** Type name as read from the core (tp_name), e.g. "dict", "__main__.Leaky" shows as "Leaky". */
  type: string;
  /** repr() within the limits, or `<invalid object at 0x...: reason>`. */
  repr: string;
}

export interface ObjectChild {
  /** How the parent reaches it: "[0]", "['key']", ".attr", "key 0" / "value 0" for dicts with non-str keys. */
  label: string;
  object: ObjectSummary;
}

export interface ObjectView extends ObjectSummary {
  refcount: number | null;
  /** sys.getsizeof(), when readable. */
  size: number | null;
  /** `size` is an estimate (basicsize + items): the type has a __sizeof__ of its own that pycore does not reproduce. */
  size_estimated?: boolean;
  gc_tracked: boolean | null;
  /** Items/attributes one level deep, paged: `children` holds [offset, offset+limit). */
  children: ObjectChild[];
  children_total: number | null;
  children_offset: number;
  /** Facts beyond the items: a generator's state and the line it is suspended at, etc. */
  details: [string, string][];
  /** Why something could not be decoded, when something could not. */
  unreadable?: string;
  /** `show`: where tracemalloc recorded the object's allocation, newest frame first (only when it traced it). */
  allocated_at?: { filename: string | null; lineno: number }[];
  /** `show --retained`: exact sys.getsizeof() bytes of everything the object dominates (itself included), and how many objects. */
  retained_bytes?: number;
  retained_objects?: number;
  /** Dominated bytes pycore only estimates, and dominated objects of unknown size: not in retained_bytes. */
  retained_estimated_bytes?: number;
  retained_unsized_objects?: number;
  /** `show --retained` when there is no retained size: why. */
  retained_unknown?: string;
}

export interface ObjectExplorer {
  /** The object at an address, with children [offset, offset+limit). */
  inspect(address: string, offset?: number, limit?: number): ObjectView;
}
