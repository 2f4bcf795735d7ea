// The ClickHouse HTTP front over chdb as a process of its own, as scripts/services/clickhouse.sh runs it:
//   main.js --path DIR --port N --user NAME   (the password comes from EBPIPE_CLICKHOUSE_PASSWORD, not argv)
import { parseArgs } from 'node:util';

import { ClickHouseHttpFront } from './http-front.js';

const { values } = parseArgs({
  options: { path: { type: 'string' }, port: { type: 'string' }, user: { type: 'string', default: 'default' } },
  strict: true,
});
if (values.path === undefined || values.port === undefined) {
  process.stderr.write('usage: main.js --path DIR --port N [--user NAME]\n');
  process.exit(2);
}
const front = new ClickHouseHttpFront({
  path: values.path,
  user: values.user,
  password: process.env['EBPIPE_CLICKHOUSE_PASSWORD'] ?? '',
});
const port = await front.listen(Number(values.port));
process.stdout.write(`clickhouse http front on 127.0.0.1:${port}, engine data in ${values.path}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void front.close().then(() => process.exit(0));
  });
}
