'use strict';
/**
 * Jest's node environment gives each test file its own realm, so typed arrays made by a native
 * addon (onnxruntime-node returns its outputs as main-realm Float32Arrays) fail onnxruntime-common's
 * `instanceof Float32Array` check inside the test realm. This environment shares the main realm's
 * typed-array constructors with the test realm, as they are shared in a real Node process.
 * Used through the `@jest-environment` docblock of the tests that run onnxruntime.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class NativeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeTypedArraysEnvironment;
