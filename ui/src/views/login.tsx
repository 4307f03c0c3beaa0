import { useState } from "preact/hooks";
import { api, ApiError } from "../api";

/**
 * Asks once for the server's keys; the server answers with an HttpOnly session cookie, so
 * neither key is kept by the page after this form is submitted.
 */
export function LoginView({ onLogin }: { onLogin: () => void }) {
  const [publicKey, setPublicKey] = useState("");
  const [secretKey, setSecretKey] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await api.post("/api/ui/login", { publicKey: publicKey.trim(), secretKey: secretKey.trim() });
      setSecretKey("");
      onLogin();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "Those keys are not this server's keys." : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <h1>Langfuse local</h1>
      <p>
        Log in with the server's API keys. <code>serve</code> prints the public key and where the secret key is kept (
        <code>server-keys.json</code> next to the database, or <code>--show-keys</code>).
      </p>
      <form onSubmit={submit} aria-label="Log in" id="login-form">
        <label>
          Public key
          <input name="publicKey" autoComplete="username" value={publicKey} onInput={(e) => setPublicKey((e.target as HTMLInputElement).value)} required />
        </label>
        <label>
          Secret key
          <input name="secretKey" type="password" autoComplete="current-password" value={secretKey} onInput={(e) => setSecretKey((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
