"""ORM files read as the SQL they stand for: Prisma schemas, SQL strings in TypeScript and
JavaScript migrations, Drizzle schemas (which are only pointed at the SQL drizzle-kit writes)."""
