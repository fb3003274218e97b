// SQL on a Durable Object's SQLite storage, with the rows each statement read and wrote counted
// from its cursor (what Cloudflare bills), so no one has to guess them.

import type { UsageMeter } from './usage.ts';

export type SqlRow = Record<string, SqlStorageValue>;

export const countedSql =
  (sql: SqlStorage, meter: UsageMeter) =>
  <T extends SqlRow = SqlRow>(query: string, ...bindings: SqlStorageValue[]): T[] => {
    const cursor = sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    meter.add({ rowsRead: cursor.rowsRead, rowsWritten: cursor.rowsWritten });
    return rows;
  };

export type CountedSql = ReturnType<typeof countedSql>;
