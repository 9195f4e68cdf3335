<?php

use Illuminate\Support\Facades\Http;
use Illuminate\Support\Facades\Route;

// Our own endpoint for the SPA: GET /api/videos/{taskId}
Route::get('/api/videos/{taskId}', function (string $taskId) {
    $task = Http::withToken(config('services.pixapi.key'))
        ->get("https://api.pixapi.ai/v1/tasks/{$taskId}")
        ->throw()
        ->json();

    return match ($task['status']) {
        'completed' => ['status' => 'completed', 'url' => $task['result']['data'][0]['url']],
        'failed' => response()->json(['status' => 'failed'], 502),
        default => ['status' => $task['status'], 'progress' => $task['progress'] ?? 0],
    };
});
