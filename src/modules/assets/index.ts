export { assetRoutes } from './routes.js';
export { assets } from './asset-records.js';
export type { AssetRecord, CreateAssetInput, UpdateAssetInput } from './schemas.js';
