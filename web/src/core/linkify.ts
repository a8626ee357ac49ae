// Shared with the chat function, which must see links where readers do (a mention inside an
// address is no mention): the code lives in functions/_shared/linkify.ts.
export * from '@shared/linkify.ts'
