/** The API answered with an error status, or not at all. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** Fetches the API's JSON: its shapes are @abtest/results-contract/api's, which GET /openapi.json documents too. */
export async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ApiError(`the results service cannot be reached (${error instanceof Error ? error.message : String(error)})`, null);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
    throw new ApiError(message, response.status);
  }
  // The API is the reference for this shape (GET /openapi.json); the server builds it from validated records.
  return body as T;
}
