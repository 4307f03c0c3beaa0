import { HttpException, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from "@nestjs/common";
import { context as otelContext, trace } from "@opentelemetry/api";
import { Observable } from "rxjs";
import { Langfuse } from "../../client/langfuse";
import { errorMessage } from "../../errors";
import { logger } from "../../logger";
import { propagateAttributes } from "../../tracing/propagation";
import type { LangfuseInterceptorOptions, LangfuseModuleOptions, RequestTraceAttributes } from "./options";
import { LANGFUSE_MODULE_OPTIONS } from "./tokens";

interface RequestLike {
  method?: string;
  url?: string;
  originalUrl?: string;
  params?: unknown;
  query?: unknown;
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  user?: Record<string, unknown>;
  route?: { path?: string };
  routeOptions?: { url?: string };
}

interface ResponseLike {
  statusCode?: number;
  once?(event: string, fn: () => void): void;
  raw?: ResponseLike;
}

function defaultExtract(ctx: ExecutionContext): RequestTraceAttributes | undefined {
  const req = ctx.switchToHttp().getRequest<RequestLike>();
  const user = req?.user;
  const id = user && [user.id, user.sub, user.userId].find((v) => typeof v === "string" || typeof v === "number");
  const session = req?.headers?.["x-session-id"];
  const out: RequestTraceAttributes = {};
  if (id !== undefined) out.userId = String(id);
  if (typeof session === "string" && session) out.sessionId = session;
  return out;
}

/**
 * Opens one trace per HTTP request: a root span named `METHOD /route/:pattern` that is the
 * current span while the handler runs (so `@Observe` methods nest under it), with the
 * request's user and session propagated to every observation, and the response status,
 * method and route as metadata. The span ends when the response is finished, so the status is
 * the one sent (after exception filters). Other contexts (RPC, WebSocket) pass through.
 *
 * Use it globally with `LangfuseModule.forRoot({ ... }, { traceRequests: true })`,
 * `app.useGlobalInterceptors(app.get(LangfuseInterceptor))`, or per controller with
 * `@UseInterceptors(LangfuseInterceptor)`.
 */
@Injectable()
export class LangfuseInterceptor implements NestInterceptor {
  private readonly settings: LangfuseInterceptorOptions;

  constructor(
    @Inject(Langfuse) private readonly client: Langfuse,
    @Inject(LANGFUSE_MODULE_OPTIONS) options: LangfuseModuleOptions,
  ) {
    this.settings = options?.interceptor ?? {};
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== "http") return next.handle();
    let begin: ReturnType<LangfuseInterceptor["begin"]>;
    try {
      begin = this.begin(ctx);
    } catch (err) {
      logger.warnOnce("nest-interceptor-failed", `LangfuseInterceptor: could not start the request trace: ${errorMessage(err)}`);
      return next.handle();
    }
    const { span, attrs, finish } = begin;
    const active = trace.setSpan(otelContext.active(), span.otelSpan);
    return new Observable<unknown>((subscriber) =>
      otelContext.with(active, () =>
        propagateAttributes({ userId: attrs.userId, sessionId: attrs.sessionId, tags: attrs.tags, metadata: attrs.metadata }, () =>
          next.handle().subscribe({
            next: (value) => {
              if (this.settings.captureOutput !== false) {
                span.update({ output: value });
                span.updateTrace({ output: value });
              }
              subscriber.next(value);
            },
            error: (err: unknown) => {
              const status = err instanceof HttpException ? err.getStatus() : 500;
              span.update({ level: status >= 500 ? "ERROR" : "WARNING", statusMessage: errorMessage(err) });
              finish(status);
              subscriber.error(err);
            },
            complete: () => {
              finish();
              subscriber.complete();
            },
          }),
        ),
      ),
    );
  }

  private begin(ctx: ExecutionContext) {
    const http = ctx.switchToHttp();
    const req = http.getRequest<RequestLike>() ?? {};
    const res = http.getResponse<ResponseLike>() ?? {};
    const method = (req.method ?? "GET").toUpperCase();
    const route = req.route?.path ?? req.routeOptions?.url ?? (req.originalUrl ?? req.url ?? "").split("?")[0];
    const name = `${method} ${route}`;
    let attrs: RequestTraceAttributes = {};
    try {
      attrs = (this.settings.extract ?? defaultExtract)(ctx) ?? {};
    } catch (err) {
      logger.warnOnce("nest-extract-failed", `LangfuseInterceptor: the extract function threw; user and session not recorded: ${errorMessage(err)}`);
    }
    const input = this.settings.captureInput === false ? undefined : { params: req.params, query: req.query, body: req.body };
    const span = this.client.startObservation({ name, input, metadata: { method, route, handler: `${ctx.getClass().name}.${ctx.getHandler().name}` } });
    span.updateTrace({ name, userId: attrs.userId, sessionId: attrs.sessionId, tags: attrs.tags, input });
    let ended = false;
    const end = (status: number | undefined): void => {
      if (ended) return;
      ended = true;
      if (status !== undefined) span.update({ metadata: { status } });
      span.end();
    };
    const raw = res.raw ?? res;
    if (typeof raw.once === "function") {
      // The status is final only once the response is sent (exception filters set it after
      // interceptors run); "close" also covers an aborted request.
      raw.once("finish", () => end(raw.statusCode));
      raw.once("close", () => end(raw.statusCode));
      return { span, attrs, finish: (): void => undefined };
    }
    return { span, attrs, finish: (status?: number): void => end(status ?? 200) };
  }
}
