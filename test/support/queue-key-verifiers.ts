// Test features that serve any queue (the stub, the soak feature) verify each call the way a feature
// team would: with the key of the queue named in X-Queue-Name, derived here from the test secret,
// and the signed body must name that same queue.

import { queueKey } from '../../src/feature-keys.ts';
import { SignatureVerifier } from '../../src/signing.ts';

export class QueueKeyVerifiers {
  readonly #signingSecret: string;
  readonly #verifiers = new Map<string, Promise<SignatureVerifier>>();

  constructor(signingSecret: string) {
    this.#signingSecret = signingSecret;
  }

  /** True when `header` signs `rawBody` with `queueName`'s key and the body names `queueName`. */
  async verify(queueName: string | undefined, header: string | undefined, rawBody: string): Promise<boolean> {
    if (!queueName) return false;
    let verifier = this.#verifiers.get(queueName);
    if (!verifier) {
      verifier = queueKey(this.#signingSecret, queueName).then((key) => new SignatureVerifier({ currentSecret: key }));
      this.#verifiers.set(queueName, verifier);
    }
    const verified = await (await verifier).verifyFeatureBody(header, rawBody);
    return verified.ok && bodyQueueName(rawBody) === queueName;
  }
}

const bodyQueueName = (rawBody: string): unknown => {
  try {
    return (JSON.parse(rawBody) as { queueName?: unknown }).queueName;
  } catch {
    return undefined;
  }
};
