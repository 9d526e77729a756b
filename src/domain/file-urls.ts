// The URL scheme of the binary routes, in one place: the resolvers build these URLs and
// src/http/files.ts serves them (a domain rule, below both).
//   /renders/{renderId}/image.png | segmentation.png | depth/{componentName}.png
//   /edits/{editId}/latent.npy

export const RENDER_ROUTE = /^\/renders\/([^/]+)\/(image\.png|segmentation\.png|depth\/([^/]+)\.png)$/;
export const LATENT_ROUTE = /^\/edits\/([^/]+)\/latent\.npy$/;

export const renderImageUrl = (baseUrl: string, renderId: string) => `${baseUrl}/renders/${renderId}/image.png`;

export const renderSegmentationUrl = (baseUrl: string, renderId: string) =>
  `${baseUrl}/renders/${renderId}/segmentation.png`;

export const renderDepthUrl = (baseUrl: string, renderId: string, componentName: string) =>
  `${baseUrl}/renders/${renderId}/depth/${encodeURIComponent(componentName)}.png`;
