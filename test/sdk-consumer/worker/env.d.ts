// What the tests see of this Worker: its bindings and, for exports.default, its module.
declare namespace Cloudflare {
  type SignupEnv = import('./index').Env;
  interface Env extends SignupEnv {
    /** Where the test reads the calls the stack's edge made for this Worker (see feature.test.ts). */
    RELAY_URL: string;
  }
  interface GlobalProps {
    mainModule: typeof import('./index');
  }
}
