// Shared with the chat function, which must read mentions exactly as readers see them (none inside
// code or an address): the code lives in functions/_shared/message-format.ts.
export * from '@shared/message-format.ts'
