// ESM mode (NestJS 12 is ESM-only): run with `node --experimental-vm-modules`.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@app/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // @fastify/static (CommonJS) requires content-disposition 3 (ESM only). Node 20 loads that with
  // require(esm); Jest's module runtime cannot, so that one package is compiled to CommonJS here.
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  transform: {
    'node_modules/content-disposition/.+\\.js$': ['ts-jest', { useESM: false, tsconfig: { allowJs: true, module: 'commonjs', verbatimModuleSyntax: false }, isolatedModules: true, diagnostics: false }],
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
  testTimeout: 60000,
};
