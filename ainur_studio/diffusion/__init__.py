"""Diffusion on any denoiser: noise schedules (`schedules`), samplers (`samplers`) and the
v-objective adapter, guidance and inpainting wrappers (`denoiser`). Never imports `models`."""
