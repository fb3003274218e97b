// The secrets the edge runs with in tests (vitest.config.ts passes the same values to workerd).
export { EDGE_TEST_BINDINGS } from '../../vitest.config.ts';
