// Imported before the repairTable handler, which reads its environment at module load.
process.env.ATHENA_WORKGROUP = 'pipeline-functions';
