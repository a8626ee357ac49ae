/**
 * A promise the test settles from outside: for answers that must arrive in a chosen order, or
 * writes held until the test lets them through. Test support, like fake-clock.ts.
 */
export function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
