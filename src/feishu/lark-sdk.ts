// The Open Platform SDK, loaded with require() rather than import. It is one 6 MB CommonJS file,
// and Node's ESM loader scans a CommonJS module for the names it exports before running it: that
// cost every start ~250 ms of CPU (import 340–380 ms, require 130 ms, Node 20).
import { createRequire } from 'node:module';
import type * as Lark from '@larksuiteoapi/node-sdk';

export const lark: typeof Lark = createRequire(import.meta.url)('@larksuiteoapi/node-sdk');
