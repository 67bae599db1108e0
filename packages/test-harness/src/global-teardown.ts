/** Stops whatever the global setup started; external services are left alone. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__ABTEST_STACK__;
  globalThis.__ABTEST_STACK__ = undefined;
  await stack?.stop();
}
