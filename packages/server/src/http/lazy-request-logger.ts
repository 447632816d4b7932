import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

function call(logger: FastifyBaseLogger, level: Level, args: unknown[]): void {
  Reflect.apply(logger[level], logger, args);
}

/**
 * A request's logger, made only when the request logs something. Fastify gives every request a
 * pino child bound to its id, and a child of a logger with redaction and serializers (ours:
 * log-options.ts) costs several microseconds to make, on every request, while almost no request
 * logs (request logging is off; errors and warnings are the exceptions). This stands in for it
 * and makes the child, with the same bindings and options, the first time one of its methods is
 * called, so what is logged is the same.
 */
class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: ChildOptions,
  ) {}

  private get real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  fatal(...args: unknown[]): void {
    call(this.real, 'fatal', args);
  }
  error(...args: unknown[]): void {
    call(this.real, 'error', args);
  }
  warn(...args: unknown[]): void {
    call(this.real, 'warn', args);
  }
  info(...args: unknown[]): void {
    call(this.real, 'info', args);
  }
  debug(...args: unknown[]): void {
    call(this.real, 'debug', args);
  }
  trace(...args: unknown[]): void {
    call(this.real, 'trace', args);
  }
  silent(): void {}

  child(bindings: Record<string, unknown>, options?: ChildOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: each request's logger made on first use (see LazyRequestLogger). */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => new LazyRequestLogger(logger, bindings, options);
