// The seed pages' receiver, as a baseline: node:http with the SDK's adaptDefault and an
// EventDispatcher (same encrypt key) whose handlers for both events return at once.
import http from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';

const dispatcher = new lark.EventDispatcher({ encryptKey: process.env.FEISHU_ENCRYPT_KEY, loggerLevel: lark.LoggerLevel.fatal }).register({
  'approval.instance.remedy_group_update_v4': async () => 'success',
  shift_approval: async () => 'success',
});
const server = http.createServer(lark.adaptDefault('/webhook/event', dispatcher));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'reference listening', port: server.address().port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
