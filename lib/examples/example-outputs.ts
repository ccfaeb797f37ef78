/**
 * The template for a function with typed outputs: a String, an Integer, a Boolean, a Float, and
 * structured data (a list of records) that travels as a JSON string, read back with json.loads,
 * never with eval() of a Python repr.
 */
export interface ShardRecord {
  shard: number;
  name: string;
  fraction: number;
}

export interface ExampleOutputs {
  output1: string;
  output2: number;
  output3: boolean;
  output4: number;
  records: ShardRecord[];
}

/** Plans `shards` equal shards of the dataset `name`. */
export function planShards(name: string, shards: number): ExampleOutputs {
  const fraction = shards > 0 ? Math.round((1 / shards) * 1e6) / 1e6 : 0;
  return {
    output1: `${name}-processed`,
    output2: shards,
    output3: shards > 0,
    output4: fraction,
    records: Array.from({ length: shards }, (_, i) => ({ shard: i + 1, name: `${name}-shard-${i + 1}`, fraction })),
  };
}
