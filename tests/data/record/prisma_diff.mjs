// What `prisma migrate diff --from-empty --to-schema-datamodel SCHEMA --script` prints, made
// without the Prisma CLI's schema-engine binary (which it downloads from outside the
// registries): Prisma's schema engine as WebAssembly (npm `@prisma/schema-engine-wasm`),
// given a stub PostgreSQL driver adapter that only answers the engine's version query (no
// database is needed for a diff from empty). The engine writes `CREATE SCHEMA IF NOT EXISTS
// "public"` first, which the CLI does not: leave it out.
//
//   npm install @prisma/schema-engine-wasm
//   node --experimental-wasm-modules prisma_diff.mjs schema.prisma > migration.sql
import fs from "node:fs";
import { SchemaEngine } from "@prisma/schema-engine-wasm";

const path = process.argv[2];
// The engine takes the connection from the adapter, not from `url`.
const content = fs.readFileSync(path, "utf8").replace(/^\s*url\s*=.*$/m, "");
const refuse = async () => ({ ok: false, error: { kind: "GenericJs", id: 0 } });
const connection = {
  provider: "postgres",
  adapterName: "@prisma/adapter-pg",
  queryRaw: async (query) =>
    query.sql.includes("pg_namespace WHERE nspname")
      ? {
          ok: true,
          value: {
            columnNames: ["exists", "version", "numeric_version"],
            columnTypes: [5, 7, 0], // boolean, text, int32
            rows: [[true, "PostgreSQL 16.4", 160004]],
          },
        }
      : refuse(),
  executeRaw: refuse,
  executeScript: refuse,
  startTransaction: refuse,
  getConnectionInfo: () => ({ ok: true, value: { schemaName: "public", supportsRelationJoins: true } }),
  dispose: async () => ({ ok: true, value: undefined }),
};
const adapter = {
  provider: "postgres",
  adapterName: "@prisma/adapter-pg",
  connect: async () => ({ ok: true, value: connection }),
  connectToShadowDb: async () => ({ ok: true, value: connection }),
};
const engine = await SchemaEngine.new({ datamodels: [[path, content]] }, () => {}, adapter);
const result = await engine.diff({
  from: { tag: "empty" },
  to: { tag: "schemaDatamodel", files: [{ path, content }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout);
