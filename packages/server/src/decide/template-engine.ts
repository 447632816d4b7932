import {
  CaptureTag,
  Context,
  Liquid,
  toValue,
  toValueSync,
  type Emitter,
  type LiquidOptions,
  type Template,
} from 'liquidjs';
import { compileTemplate, type CompiledTemplate } from './compile-template.js';

/**
 * What one template may cost. Templates come from marketers and run on the request thread, so a
 * loop or a doubling string must end as a template error (the placement serves its default), never
 * as a slow or huge answer.
 */
export const TEMPLATE_LIMITS = {
  /** Characters of a template's source (the placement schema allows as many). */
  parseChars: 50_000,
  /**
   * Characters and array elements that filters, ranges, captures and escaping may allocate in one
   * render. Also what bounds the steps no deadline can interrupt: building a range or sorting an
   * array of this size takes about 20 ms.
   */
  memory: 100_000,
  /** Characters one render may write. */
  outputChars: 50_000,
  /** Time one render may take (ms) unless its caller gives its own deadline (decide: what is left of its budget). */
  renderMs: 50,
  /** Steps of loops over literal ranges (`(1..N)`), nested loops multiplied: more is refused when saved. */
  literalLoopSteps: 10_000,
} as const;

/** The message of an error that a template's limits raised (LiquidJS's, and the output's). */
const LIMIT_ERROR = /(parse length|memory alloc|template render|output size) limit exceeded/;

/** Whether an error thrown by parsing or rendering is a template running over one of its limits. */
export function isLimitError(error: unknown): boolean {
  return error instanceof Error && LIMIT_ERROR.test(error.message);
}

/** Whether a render ran out of time (which depends on the machine's load as much as on the template). */
export function isTimeLimitError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('template render limit exceeded');
}

/**
 * LiquidJS with the limits: `parseLimit` and `memoryLimit` as options, `renderLimit` per render
 * (the caller's deadline), and the output counted as it is written.
 */
export class TemplateEngine extends Liquid {
  constructor(options: LiquidOptions = {}) {
    super({
      ...options,
      parseLimit: TEMPLATE_LIMITS.parseChars,
      memoryLimit: TEMPLATE_LIMITS.memory,
      renderLimit: TEMPLATE_LIMITS.renderMs,
    });
    this.registerTag('capture', BoundedCapture);
  }

  /** Templates as plain functions, or null for those LiquidJS renders itself (`compileTemplate`). */
  private readonly compiled = new WeakMap<Template[], CompiledTemplate | null>();

  /**
   * Renders within the limits, stopping after `renderLimitMs`. LiquidJS checks the time before each
   * node of the template, loops' steps included; what one step does alone is bounded by memory.
   * A compiled template renders without LiquidJS's generators; if it throws, LiquidJS renders it
   * again within the same deadline, so an error is LiquidJS's own (with where it happened).
   */
  renderBounded(
    template: Template[],
    scope: object,
    renderLimitMs: number = TEMPLATE_LIMITS.renderMs,
  ): string {
    let context = new Context(
      scope,
      this.options,
      { sync: true, renderLimit: renderLimitMs },
      { liquid: this },
    );
    const compiled = this.compiledOf(template);
    if (compiled !== null) {
      const emitter = new BoundedEmitter(TEMPLATE_LIMITS.outputChars);
      try {
        compiled(context, emitter);
        return emitter.buffer;
      } catch {
        // Rendered again: the deadline stays, the memory used starts again.
        const { renderLimit } = context;
        context = new Context(scope, this.options, { sync: true }, { liquid: this, renderLimit });
      }
    }
    const emitter = new BoundedEmitter(TEMPLATE_LIMITS.outputChars);
    toValueSync(this.renderer.renderTemplates(template, context, emitter));
    return emitter.buffer;
  }

  private compiledOf(template: Template[]): CompiledTemplate | null {
    let compiled = this.compiled.get(template);
    if (compiled === undefined) {
      compiled = compileTemplate(template, this.options);
      this.compiled.set(template, compiled);
    }
    return compiled;
  }
}

/** Collects a render's output, refusing to grow past `max` characters. */
class BoundedEmitter implements Emitter {
  buffer = '';
  constructor(private readonly max: number) {}

  write(html: unknown): void {
    const text = stringify(html);
    if (this.buffer.length + text.length > this.max)
      throw new Error(`output size limit exceeded (${this.max} characters)`);
    this.buffer += text;
  }
}

/**
 * `capture` as LiquidJS has it, but what it captures counts against the memory limit and is
 * bounded like output: built-in, a capture doubling itself in a loop costs nothing to make (V8
 * joins strings lazily) and hundreds of megabytes to read.
 */
class BoundedCapture extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const emitter = new BoundedEmitter(TEMPLATE_LIMITS.outputChars);
    yield this.liquid.renderer.renderTemplates(this.templates, ctx, emitter);
    ctx.memoryLimit.use(emitter.buffer.length);
    ctx.bottom()[this.variable] = emitter.buffer;
  }
}

/** As LiquidJS writes a value: nothing for null and undefined, arrays joined without a separator. */
function stringify(value: unknown): string {
  const v: unknown = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  // As LiquidJS does: a Date or an object with its own toString writes that.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return String(v);
}
