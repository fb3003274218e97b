// `npm start` (see local-stack.ts).
import { LocalStack, StackError } from './local-stack.ts';

const EXIT_FORCED = 130;
const stack = new LocalStack();

const stopAndExit = async (code: number): Promise<never> => {
  await stack.stop();
  process.exit(code);
};

const onSignal = () => {
  // A second Ctrl-C while stopping: kill what is left at once.
  if (stack.stopping) {
    stack.killNow();
    process.exit(EXIT_FORCED);
  }
  process.stdout.write('\nstopping the stack…\n');
  void stopAndExit(0);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => stack.killNow());

try {
  await stack.start();
} catch (error) {
  process.stderr.write(`${error instanceof StackError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  await stopAndExit(1);
}
stack.watch((name, output) => {
  process.stderr.write(`\n${name} exited unexpectedly; stopping the stack. Its last output:\n${output}\n`);
  void stopAndExit(1);
});
