// drachtio-modesl ships no types. Only what the ESL client wrapper touches is declared; the
// wrapper (esl-client.ts) is the one place that uses the library.
declare module 'drachtio-modesl' {
  export class Event {
    getHeader (name: string): string | null
    getBody (): string
    getType (): string
  }

  export class Connection {
    constructor (host: string, port: number, password: string, ready?: () => void)
    /** Set by disconnect(); also stops the library's own reconnect logic. */
    closing: boolean
    socket: import('node:net').Socket | null
    sendRecv (command: string, args: Record<string, string> | null, cb: (event: Event) => void): void
    api (command: string, cb: (event: Event) => void): void
    disconnect (): void
    on (event: string, listener: (...args: unknown[]) => void): this
    once (event: string, listener: (...args: unknown[]) => void): this
    onAny (listener: (name: string | string[], ...args: unknown[]) => void): this
    removeAllListeners (event?: string): this
  }

  const esl: { Connection: typeof Connection, Event: typeof Event }
  export default esl
}
