/**
 * Layer directions (docs/architecture.md, "Who may import whom"): nothing
 * imports upwards, and no import cycles. `npm run lint` runs this.
 */
const layer = (name) => `^src/${name}(/|\\.ts$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle ties two modules together; move the shared part down a layer. Type-only imports vanish at run time and may go both ways.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-is-self-contained',
      severity: 'error',
      comment: 'core knows no product: src/core imports only src/core, the logger (log.ts, log-summary.ts) and the metrics (src/metrics).',
      from: { path: layer('core') },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/log\\.ts$', '^src/log-summary\\.ts$', '^src/metrics/'] },
    },
    {
      name: 'proxy-imports-only-core',
      severity: 'error',
      comment: 'proxy relays to the targets it is given: it imports src/core, the logger, the metrics and the MAC (src/crypto) only.',
      from: { path: layer('proxy') },
      to: { path: '^src/', pathNot: ['^src/proxy/', '^src/core/', '^src/log\\.ts$', '^src/log-summary\\.ts$', '^src/metrics/', '^src/crypto/'] },
    },
    {
      name: 'crypto-is-a-leaf',
      severity: 'error',
      comment: 'crypto holds the HMAC that nonces and proxy signatures share: it imports nothing of the project.',
      from: { path: layer('crypto') },
      to: { path: '^src/', pathNot: ['^src/crypto/'] },
    },
    {
      name: 'metrics-is-a-leaf',
      severity: 'error',
      comment: 'metrics is used by any layer, like the logger: it imports nothing of the project (it reads the app through the sources it is given).',
      from: { path: layer('metrics') },
      to: { path: '^src/', pathNot: ['^src/metrics/'] },
    },
    {
      name: 'capture-and-events-import-only-core',
      severity: 'error',
      comment: 'SIP capture and trunk-state events are edges: they import src/core, the logger and each other (events are delivered, never decided, here).',
      from: { path: ['^src/capture/', '^src/events/'] },
      to: { path: '^src/', pathNot: ['^src/capture/', '^src/events/', '^src/core/', '^src/log\\.ts$'] },
    },
    {
      name: 'store-imports-nothing-above',
      severity: 'error',
      comment:
        'store is the one layer that reaches Redis, under everything that handles requests: it runs no code of the proxy, routing, registrar, API, CLI or app. It may name the domain types it stores (type-only imports) and use pure domain rules (features, provisioning plans, ban rules, password hashing).',
      from: { path: layer('store') },
      to: {
        path: ['^src/(api|cli|portal|routing|proxy|registrar)/', '^src/core/server/', '^src/app\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'store-uses-core-server-types-only',
      severity: 'warn',
      comment: 'Known exception: the 503 wrapper takes core/server types (IncomingRequest, RequestHandler); it should stay type-only.',
      from: { path: layer('store') },
      to: { path: '^src/core/', pathNot: '^src/core/messages/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'numbers-is-pure',
      severity: 'error',
      comment: 'numbers is pure logic: core/messages at most.',
      from: { path: layer('numbers') },
      to: { path: '^src/', pathNot: ['^src/numbers/', '^src/core/messages/'] },
    },
    {
      name: 'features-is-pure',
      severity: 'error',
      comment: 'features is pure logic: no sockets, no core/server, nothing above it.',
      from: { path: layer('features') },
      to: {
        path: '^src/',
        pathNot: ['^src/features/', '^src/core/messages/', '^src/numbers/', '^src/store/keys\\.ts$', '^src/store/json\\.ts$', '^src/time\\.ts$'],
      },
    },
    {
      name: 'features-store-only-keys-and-json',
      severity: 'warn',
      comment: 'Known exception: features takes store keys and the JSON helper (FeatureStore is the one Redis reader in features); the pure stages should not.',
      from: { path: layer('features'), pathNot: '^src/features/feature-store\\.ts$' },
      to: { path: ['^src/store/keys\\.ts$', '^src/store/json\\.ts$'] },
    },
    {
      name: 'nothing-imports-the-top',
      severity: 'error',
      comment: 'api, cli, portal and app.ts (with its app-*.ts parts) are the top: only they (and tests) run their code; others may name their types.',
      from: { path: '^src/', pathNot: ['^src/(api|cli|portal)/', '^src/app\\.ts$', '^src/app-[a-z]+\\.ts$'] },
      to: { path: ['^src/(api|cli|portal)/', '^src/app\\.ts$', '^src/app-[a-z]+\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^src/portal/web/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
