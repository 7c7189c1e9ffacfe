// A valid config large enough (~1 MB of JSON) that writing it takes a while: the crash-safety test
// kills the writer mid-write. `tag` makes A and B differ everywhere.
export function bigConfig(tag: string, locations = 3000): Record<string, unknown> {
  return {
    schemaVersion: 1,
    upstreams: [{ name: `up_${tag}`, servers: [{ address: '127.0.0.1:9001' }] }],
    servers: [
      {
        listen: [{ address: '127.0.0.1:8080' }],
        locations: Array.from({ length: locations }, (_, i) => ({
          name: `route ${tag} ${i} ${'x'.repeat(200)}`,
          path: `/${tag.toLowerCase()}/${i}`,
          proxyPass: `http://up_${tag}`,
          websocket: i % 2 === 0,
        })),
      },
    ],
  };
}
