interface LruNode<K, V> {
  key: K;
  value: V;
  older: LruNode<K, V> | null;
  newer: LruNode<K, V> | null;
}

/**
 * A Map with a size cap and least-recently-used eviction: a Map to doubly linked nodes, oldest at the head.
 * (Evicting from the front of a plain Map's insertion order is slow under churn: V8 leaves deleted slots at the
 * front that every `entries().next()` has to skip until the table is rebuilt.) Touching, inserting and evicting
 * are O(1), and the node of an evicted entry is reused for the next insertion, so a flood of new keys does not
 * allocate here.
 */
export class LruMap<K, V> {
  readonly #nodes = new Map<K, LruNode<K, V>>();
  #oldest: LruNode<K, V> | null = null;
  #newest: LruNode<K, V> | null = null;
  #spare: LruNode<K, V> | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`LruMap capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** Looks a key up and marks it most recently used. */
  get(key: K): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (node !== this.#newest) {
      this.#unlink(node);
      this.#append(node);
    }
    return node.value;
  }

  /** Looks a key up without changing its recency. */
  peek(key: K): V | undefined {
    return this.#nodes.get(key)?.value;
  }

  /**
   * Inserts or replaces `key` as most recently used. If that made the map exceed its capacity, the least recently
   * used entry is removed and its value returned so the caller can finish it off (or reuse it); otherwise undefined.
   */
  set(key: K, value: V): V | undefined {
    const existing = this.#nodes.get(key);
    if (existing !== undefined) {
      existing.value = value;
      if (existing !== this.#newest) {
        this.#unlink(existing);
        this.#append(existing);
      }
      return undefined;
    }
    let node = this.#spare;
    if (node !== null) {
      this.#spare = null;
      node.key = key;
      node.value = value;
    } else {
      node = { key, value, older: null, newer: null };
    }
    this.#nodes.set(key, node);
    this.#append(node);
    return this.#nodes.size > this.capacity ? this.evictOldest() : undefined;
  }

  /** The least recently used value, without removing it or changing its recency (undefined when empty). */
  oldestValue(): V | undefined {
    return this.#oldest?.value;
  }

  /** Removes the least recently used entry and returns its value (undefined when empty). */
  evictOldest(): V | undefined {
    const node = this.#oldest;
    if (node === null) return undefined;
    const value = node.value;
    this.#remove(node);
    return value;
  }

  delete(key: K): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#remove(node);
    return true;
  }

  clear(): void {
    this.#nodes.clear();
    this.#oldest = null;
    this.#newest = null;
  }

  /** Entries from least to most recently used. Deleting the current entry while iterating is allowed. */
  *entriesOldestFirst(): IterableIterator<[K, V]> {
    let node = this.#oldest;
    while (node !== null) {
      const newer = node.newer;
      yield [node.key, node.value];
      node = newer;
    }
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entriesOldestFirst()) yield value;
  }

  #remove(node: LruNode<K, V>): void {
    this.#nodes.delete(node.key);
    this.#unlink(node);
    // Keep one node for the next insertion; drop references so the evicted key and value can be collected.
    node.key = undefined as K;
    node.value = undefined as V;
    this.#spare = node;
  }

  #unlink(node: LruNode<K, V>): void {
    if (node.older !== null) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    if (node.newer !== null) node.newer.older = node.older;
    else this.#newest = node.older;
    node.older = null;
    node.newer = null;
  }

  #append(node: LruNode<K, V>): void {
    node.older = this.#newest;
    node.newer = null;
    if (this.#newest !== null) this.#newest.newer = node;
    else this.#oldest = node;
    this.#newest = node;
  }
}
