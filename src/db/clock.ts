// The one clock: the database's. Every timestamp the server writes (domain rows, job status
// changes) is this expression, so rows written by different processes compare correctly.
// Prisma's `timestamp(3)` columns hold UTC.
export const NOW_UTC = `timezone('UTC', now())`;
