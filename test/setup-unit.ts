// The unit project's tests must not start servers: doubles/dynalite.ts refuses under this tier.
process.env.TEST_TIER = 'unit';
