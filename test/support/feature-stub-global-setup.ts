// Starts one feature stub in Node for the whole edge project; workerd tests reach it over real HTTP.
import type { TestProject } from 'vitest/node';
import { FeatureStub } from './feature-stub.ts';
import { EDGE_TEST_BINDINGS } from './secrets.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    featureStubUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const stub = await FeatureStub.start({ signingSecret: EDGE_TEST_BINDINGS.FEATURE_SIGNING_SECRET });
  project.provide('featureStubUrl', stub.url);
  return () => stub.close();
}
