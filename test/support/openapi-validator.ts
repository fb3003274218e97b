// The OpenAPI 3.1 JSON schema's verdict on a document (Node only: the validator compiles with ajv).

import { Validator } from '@seriousme/openapi-schema-validator';

/** The schema violations of `document` as OpenAPI 3.1, [] when it is valid. */
export const openApi31Errors = async (document: object): Promise<unknown[]> => {
  const validator = new Validator();
  const result = await validator.validate({ ...document });
  if (validator.version !== '3.1') return [`expected OpenAPI 3.1, got ${validator.version}`];
  return result.valid ? [] : [result.errors].flat();
};
