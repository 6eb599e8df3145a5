// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // The process entry points print the banner and command output.
    files: ['src/main.ts', 'src/cli.ts', 'bench/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Import boundaries: the platform and the workflow engine know no business module.
    files: ['src/platform/**', 'src/workflow/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '/modules/', message: 'platform/ and workflow/ must not import a module.' },
            {
              regex: '^\\.\\./(\\.\\./)*(app\\.js|main\\.js|cli\\.js|demo/)',
              message: 'No imports from the app layer.',
            },
          ],
        },
      ],
    },
  },
  {
    // Modules talk to each other only through each other's index.ts.
    files: ['src/modules/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\.)[^/]+/(?!index\\.js$)',
              message: 'Import another module through its index.ts, not its internals.',
            },
          ],
        },
      ],
    },
  },
);
