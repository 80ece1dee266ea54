// The OrderDeck API as a test calls it directly (an admin creating an enrollment code, seeding
// jobs): tRPC over plain HTTP with a session, nothing from the console in between.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly session: string | null = null,
  ) {}

  static async signIn(baseUrl: string, email: string, password: string): Promise<Api> {
    const answer = await new Api(baseUrl).mutate<{ token?: string; sessionToken?: string }>("auth.login", { email, password });
    const token = answer.token ?? answer.sessionToken;
    if (!token) throw new Error(`auth.login answered without a session token: ${JSON.stringify(Object.keys(answer))}`);
    return new Api(baseUrl, token);
  }

  query<T>(path: string, input?: unknown): Promise<T> {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.send<T>("GET", `${path}${query}`);
  }

  mutate<T>(path: string, input?: unknown): Promise<T> {
    return this.send<T>("POST", path, input === undefined ? undefined : JSON.stringify(input));
  }

  private async send<T>(method: string, pathAndQuery: string, body?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (method === "POST") headers["content-type"] = "application/json";
    if (this.session) headers["authorization"] = `Bearer ${this.session}`;
    const response = await fetch(`${this.baseUrl}/trpc/${pathAndQuery}`, { method, headers, body, signal: AbortSignal.timeout(15_000) });
    const parsed = (await response.json()) as { result?: { data?: unknown }; error?: { message?: string; data?: { code?: string } } };
    if (!response.ok || parsed.error) {
      throw new ApiError(`${pathAndQuery.split("?")[0]}: ${parsed.error?.message ?? `HTTP ${response.status}`}`, parsed.error?.data?.code, response.status);
    }
    return parsed.result?.data as T;
  }
}
