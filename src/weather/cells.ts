/**
 * The weather grid: 0.01° forecast cells (routes in one cell share a forecast; the predict grid is
 * the same cell) and 0.1° climate cells (the archive's reanalysis resolution). See
 * src/weather/weather-service.ts for why these sizes.
 */

export const FORECAST_CELL_DEGREES = 0.01;
export const CLIMATE_CELL_DEGREES = 0.1;

export interface GridCell {
  latitude: number;
  longitude: number;
  key: string;
}

const cellOf = (latitude: number, longitude: number, degrees: number, digits: number): GridCell => {
  const lat = Number((Math.round(latitude / degrees) * degrees).toFixed(digits));
  const lon = Number((Math.round(longitude / degrees) * degrees).toFixed(digits));
  return { latitude: lat, longitude: lon, key: `${lat.toFixed(digits)},${lon.toFixed(digits)}` };
};

/** The 0.01° forecast cell of a point. */
export const gridCell = (latitude: number, longitude: number): GridCell => cellOf(latitude, longitude, FORECAST_CELL_DEGREES, 2);
/** The 0.1° climate cell of a point. */
export const climateCell = (latitude: number, longitude: number): GridCell => cellOf(latitude, longitude, CLIMATE_CELL_DEGREES, 1);
