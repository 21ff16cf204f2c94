// Secrets are set with `wrangler secret put` (or .dev.vars / --var locally), so `wrangler types`
// cannot see them in wrangler.toml; declared here so `env` carries them. Validated in src/config.ts.
declare namespace Cloudflare {
  interface Env {
    UPSTASH_REDIS_REST_URL: string;
    UPSTASH_REDIS_REST_TOKEN: string;
    DATABASE_URL: string;
    ADMIN_TOKEN: string;
    /** Local development only: Neon's HTTP driver is routed to this `/sql` URL (dev/neon-http.ts). */
    NEON_HTTP_ENDPOINT?: string;
    /** Optional commercial Open-Meteo API key: requests then go to the customer- hosts with `apikey=`. */
    OPEN_METEO_API_KEY?: string;
  }
}
