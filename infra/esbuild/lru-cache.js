// The least-recently-used cache @aws-sdk/endpoint-cache takes from mnemonist (7 KB with its typed-array
// helpers), on a Map: the DynamoDB client builds one for endpoint discovery, which no function here
// turns on (infra/esbuild/plugins.js, lru-cache). The methods EndpointCache calls, as mnemonist
// defines them: get and set make a key the most recent, peek and has do not, set past the capacity
// drops the least recent. Keys are a Map's: `__proto__` is a key like any other (mnemonist's is not).
'use strict';

class LRUCache {
  constructor(capacity) {
    if (typeof capacity !== 'number' || !(capacity > 0)) throw new Error('lru-cache: capacity should be positive number.');
    this.capacity = capacity;
    this.items = new Map();
  }

  get size() {
    return this.items.size;
  }

  has(key) {
    return this.items.has(key);
  }

  peek(key) {
    return this.items.get(key);
  }

  get(key) {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key);
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  set(key, value) {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value);
    return this;
  }

  clear() {
    this.items.clear();
  }
}

module.exports = LRUCache;
